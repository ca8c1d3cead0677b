import { Type } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';

export interface Page<T> {
  items: T[];
  page: number;
  limit: number;
  total: number;
}

/** A Swagger schema for Page<T>: `class ProductPageDto extends PageDto(ProductDto) {}`. */
export function PageDto<T>(item: Type<T>) {
  class PageOf implements Page<T> {
    @ApiProperty({ type: item, isArray: true })
    items: T[];

    @ApiProperty({ example: 1 })
    page: number;

    @ApiProperty({ example: 20 })
    limit: number;

    @ApiProperty({ example: 50 })
    total: number;
  }
  return PageOf;
}
